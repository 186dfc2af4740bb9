"""AMQP plumbing on kombu: topology, a confirming publisher and a consumer worker."""
