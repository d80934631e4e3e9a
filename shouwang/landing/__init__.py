"""Landing: find delivery files, archive them untouched, keep the ledger, read them into rows."""
