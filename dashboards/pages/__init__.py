"""One module per dashboard page; Dash imports them when the app is created."""
