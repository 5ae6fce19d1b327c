"""What we serve to other servers: our actor documents, WebFinger, NodeInfo, collections and
objects.
"""
