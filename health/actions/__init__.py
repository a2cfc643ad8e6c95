"""The health app's writers: the only code that changes its rows or asks Tango to act."""
