"""The organisers' web dashboard and the one web server of the bot's process.

`server` runs uvicorn inside the bot's event loop and routes the platforms' webhooks;
`site` assembles the Starlette application from the routes features contribute; `auth`
holds the one-time login links, the sessions and the CSRF tokens; one module per page.
"""
