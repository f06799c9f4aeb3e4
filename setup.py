from setuptools import find_packages, setup

setup(
    name='service-background',
    version='1.0.0',
    description='Background work microservices (retries, jobs, tasks, cron) in the Pip.Services style',
    # 3.13: src/service_background/compat.py works around pip-services3-expressions' enums; bottle 0.12
    # (pinned by pip-services3-rpc, imported by its clients) needs the cgi module 3.13 removed: legacy-cgi.
    python_requires='>=3.11,<3.14',
    package_dir={'': 'src'},
    packages=find_packages('src'),
    # read at runtime from the installed package: the default config and the dashboard's pages; py.typed
    # tells type checkers the package has hints
    package_data={'service_background': ['config/*.yml', 'py.typed'], 'service_background.dashboard': ['static/*']},
    install_requires=[
        'pip-services3-commons>=3.3.14,<3.4',
        'pip-services3-components>=3.5.9,<3.6',
        'pip-services3-container>=3.2.5,<3.3',
        'pip-services3-rpc>=3.3.4,<3.4',
        'pip-services3-mongodb>=3.2.5,<3.3',
        'pymongo>=4.6,<5',
        # PostgreSQL: psycopg 3 with its own libpq (binary wheel) and its connection pool
        'psycopg[binary]>=3.1.12,<3.4',
        'psycopg-pool>=3.2,<3.4',
        'requests>=2.31,<3',
        'uvicorn>=0.30,<0.60',
        'httptools>=0.6,<0.10',
        'uvloop>=0.19,<0.30; sys_platform != "win32"',
        'msgspec>=0.18.6,<0.23',
        'croniter>=2.0,<8',
        'pyotp>=2.9,<3',
        'lupa>=2.0,<3',
        'redis>=5,<9',
        'prometheus-client>=0.20,<0.30',
        'pip-services3-swagger>=3.0.2,<3.1',
        'legacy-cgi>=2.6,<3; python_version >= "3.13"',
    ],
    extras_require={
        # spans for jobs (common/tracing/otel.py says when they are recorded); exporters come with the SDK
        # or opentelemetry-instrument the application brings
        'otel': ['opentelemetry-api>=1.27,<2'],
        # the SDK: the tracing tests' tracer provider and in-memory exporter
        'test': ['pytest>=8,<10', 'pytest-timeout>=2.2,<3', 'pytest-xdist>=3.5,<4', 'selenium>=4.20,<5',
                 'schemathesis>=4.0,<5', 'ruff>=0.17,<0.18', 'mypy>=1.20,<2', 'opentelemetry-sdk>=1.27,<2'],
    },
    entry_points={'console_scripts': ['service-background=service_background.container.main:main',
                                    'service-background-node=service_background.cron.node.cli:main',
                                    'service-background-worker=service_background.worker.cli:main']},
)
