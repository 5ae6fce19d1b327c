"""Reports and what moderators keep of them."""
