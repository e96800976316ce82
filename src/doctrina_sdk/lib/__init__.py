"""Hand-written extras over the generated resources (`resources/`): bulk import, live queries, the event feed.

Each module here subclasses the generated classes of one convex/ module, under the
same names; scripts/gen_sdk.py then gives the clients these classes instead.
"""
