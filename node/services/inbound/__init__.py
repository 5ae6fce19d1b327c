"""From a server: check and store inbox requests, and apply stored activities through one table of
handlers.
"""
