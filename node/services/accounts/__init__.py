"""Local accounts: creation, sign-in, sign-up and confirmation, invitations, OAuth apps."""
