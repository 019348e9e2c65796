"""Pages, one module per area: establishments, plans, actions, lists, drafting, reports,
importing and errors."""
