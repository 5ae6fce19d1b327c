"""People and groups on other servers: the directory of remote actors and keys, objects fetched
from their origin, who signed a request.
"""
