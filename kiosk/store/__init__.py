"""What is kept on disk so nothing is lost: the journal (write-ahead record of
every transaction: ``journal``, its ``entries`` and its SQLite ``database``),
the offline desk and its replay, start-up recovery and the reconciliation of
unknown outcomes."""
