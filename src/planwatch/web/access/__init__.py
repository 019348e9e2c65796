"""Who may do what: roles per establishment, and which users act for which owners."""
