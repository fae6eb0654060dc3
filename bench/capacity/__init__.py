"""Capacity and cost model at the design's scale (issue 17): measure here, model on AWS."""
