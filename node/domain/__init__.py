"""Pure rules and values: models, policies, errors. No I/O."""
