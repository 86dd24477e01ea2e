"""Demo data for the portal: a fictional district (鲁川市青河区, county code 370302) over the last
three years, generated deterministically from a seed.

- ``names``: pools of Chinese names and the helpers that build names, codes and numbers;
- ``generator``: builds the records block by block (one block = one county: 12 townships and
  about 400 enterprises with every related record), unsaved and independent of the database;
- ``services``: writes the blocks, per row through ``bureau.services.record_save`` (district)
  or in validated bulk batches (city, province), skipping what already exists.
"""
