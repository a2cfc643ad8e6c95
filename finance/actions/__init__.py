"""Finance's writers: every export start, download and period close writes one audit row."""
