"""The desk's rules, the report, the vocabulary and values: no driver types, no SQL."""
