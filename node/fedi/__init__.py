"""HTTP for servers: WebFinger, NodeInfo, actor and object documents, inboxes, collections."""
