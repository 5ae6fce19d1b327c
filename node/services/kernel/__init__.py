"""What every context shares: the node context, our URLs, the database handle, the instance actor,
AS2 conversion, and `federate`, the one outbound path.
"""
