"""The application's rules: transactions, tenant walls, and state machines live here."""
