"""Loyalty from Service Cloud: what an agent does to a customer's loyalty profile (offers, rewards,
points, notes, the profile itself), applied on the loyalty platform while the agent waits, with an
audit Task in Salesforce for each action."""
