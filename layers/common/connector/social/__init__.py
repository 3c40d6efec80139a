"""Social conversations to Service Cloud: conversation sync, user matching both ways, replies and
notifications back to the inbox, the 360° view and engagement messages."""
