"""Plans and their progress: establishments, inspections, plan versions, actions, updates."""
