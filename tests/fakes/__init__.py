"""In-memory fakes of the records and storage ports, for the use-case tests (tests/contract keeps
them equal to the real implementations)."""
