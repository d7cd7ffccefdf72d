"""The Dash app over the oversight database: `server.create_app`, pages, queries, figures, exports."""
