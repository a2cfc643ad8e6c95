"""The writers of uploads: store a checked file (upload), its dry run (dry_run), placement
(confirm) and the files handed back (files)."""
