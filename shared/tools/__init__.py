"""The four tools the agent may call, and the dispatcher that pins and guards them."""
