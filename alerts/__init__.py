"""Alert e-mails: compose (pure), send (SMTP transport), dispatch (the outbox loop)."""
