from setuptools import find_packages, setup

setup(
    name='service-background',
    version='1.0.0',
    description='Background work microservices (retries, jobs, tasks, cron) in the Pip.Services style',
    python_requires='>=3.11,<3.13',
    package_dir={'': 'src'},
    packages=find_packages('src'),
    install_requires=[
        'pip-services3-commons>=3.3.14,<3.4',
        'pip-services3-components>=3.5.9,<3.6',
        'pip-services3-container>=3.2.5,<3.3',
        'pip-services3-rpc>=3.3.4,<3.4',
        'pip-services3-data>=3.2.3,<3.3',
        'pip-services3-mongodb>=3.2.5,<3.3',
        'pymongo>=4.6,<5',
        'requests>=2.31,<3',
        'cheroot>=8.6,<9',
        'bottle>=0.12.25,<0.13',
        'croniter>=2.0,<8',
        'pyotp>=2.9,<3',
        'lupa>=2.0,<3',
        'redis>=5,<9',
    ],
    extras_require={
        'test': ['pytest>=8,<10', 'pytest-timeout>=2.2,<3'],
    },
    entry_points={'console_scripts': ['service-background=service_background.container.main:main',
                                    'service-background-node=service_background.cron.node.cli:main']},
)
