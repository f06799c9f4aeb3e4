# Sidekiq's no-op worker for bench/worker_peers.py (REDIS_URL from the environment; per-job log lines off).
require 'sidekiq'
require 'socket'

PROBE = UDPSocket.new
PROBE_PORT = ENV.fetch('PROBE_PORT').to_i
Sidekiq.configure_server { |config| config.logger.level = Logger::WARN }

class NoopJob
  include Sidekiq::Worker
  sidekiq_options retry: false

  def perform(t)
    PROBE.send("#{t.to_f} #{Process.clock_gettime(Process::CLOCK_MONOTONIC)}\n", 0, '127.0.0.1', PROBE_PORT)
  end
end
