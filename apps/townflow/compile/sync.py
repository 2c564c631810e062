"""`townflow push` / `townflow pull`: placeholder replaced below."""
