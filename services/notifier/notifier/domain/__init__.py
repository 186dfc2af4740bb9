"""Pure rules of the notifier: who gets an email, which links, which header text is safe."""
