"""Online backup and restore of the case store and the evidence photos (see service.py)."""
