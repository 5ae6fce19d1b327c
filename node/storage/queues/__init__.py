"""The two queues: inbound activities and outbound deliveries."""
