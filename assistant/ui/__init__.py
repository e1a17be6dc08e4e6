"""The Chainlit front end's helpers: sign-in, per-chat session, rendering.

Everything here is presentation and plumbing. Decisions (who may see an order, what can be
cancelled, what a confirmation does) are made by the agent and the store's services.
"""
