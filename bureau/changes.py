"""Signals of writes that bypass the models, for what is kept from the records (the dashboard's
summaries): the import's COPY, ``seed_demo`` and other bulk writers send ``records_rewritten``
with the model whose table they wrote, after writing it, in the same transaction."""

from django.dispatch import Signal

# sender: the writer (any object); model: the model class whose records were written.
records_rewritten = Signal()


def rewritten(model, sender=None) -> None:
    records_rewritten.send(sender=sender or model, model=model)
