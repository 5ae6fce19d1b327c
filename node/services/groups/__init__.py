"""Groups (FEP-1b12): settings and roles, threads, pins, collections, and group activities from
elsewhere.
"""
