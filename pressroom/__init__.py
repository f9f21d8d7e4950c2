"""pressroom, the program: its commands, the demo, serve and plot."""
