"""Maintenance: what the node does on a schedule to keep its tables and files in bounds."""
