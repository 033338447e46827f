"""The audit trail of data access (seed 004): who exported sessions, downloaded a dataset or read a customer record."""
