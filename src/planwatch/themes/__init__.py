"""Areas and topics of concerns: the labelled set and the classifier trained on it."""
