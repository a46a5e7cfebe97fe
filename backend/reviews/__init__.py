"""Supervisor review (督查意见) of inspections, tickets and cases."""
