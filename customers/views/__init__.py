"""Staff pages of customers: thin views over customers.selectors and the services."""
