"""Infrastructure the use cases stand on that is neither a use case nor SQL: mail, the media file
store, password hashing, image processing.
"""
