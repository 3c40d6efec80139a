"""Live chat to Service Cloud: chat end, agent-chosen actions, routing and the chatbot."""
