"""Local accounts, sign-in failures, sign-up settings, invitations, profiles and OAuth rows."""
