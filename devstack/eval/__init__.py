"""The conversation-scenario runner: load scripted calls, play them, score and report them."""
