"""pressroom's crawler: Scrapy spiders, extraction and pipelines that feed `storage`."""

__version__ = "0.1.0"
