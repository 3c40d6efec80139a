"""What Salesforce tells the connector through Event Relay and Amazon EventBridge: Change Data
Capture events of Contacts and Accounts, `Contact_Merged__e`, and the social platform events, each
translated into the canonical events of the trigger that handles them."""
