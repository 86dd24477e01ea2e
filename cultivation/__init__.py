"""培育库: who could register as a 科技型中小企业 or apply as a 高新技术企业 next, computed from
the records by the published rules (docs/cultivation.md)."""
