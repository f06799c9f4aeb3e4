# Sidekiq's producer for bench/worker_peers.py: `ruby sidekiq_producer.rb bulk|single N RATE` with its own
# client (Sidekiq::Client.push; bulk: push_bulk of 1000, unstamped); prints "ready" once connected and starts at
# a line on stdin; stops after MAX_SECONDS.
require 'sidekiq'

mode, n, rate = ARGV[0], ARGV[1].to_i, ARGV[2].to_f
max_seconds = (ENV['MAX_SECONDS'] || '300').to_f
def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
Sidekiq.redis { |connection| connection.ping }
puts 'ready'
$stdout.flush
$stdin.gets
started = now
deadline = started + max_seconds
done = 0
while done < n && now < deadline
  if mode == 'bulk'
    step = [1000, n - done].min
    Sidekiq::Client.push_bulk('class' => 'NoopJob', 'args' => Array.new(step) { [0] })
    done += step
    next
  end
  if rate > 0
    delay = started + done / rate - now
    sleep(delay) if delay > 0
  end
  Sidekiq::Client.push('class' => 'NoopJob', 'args' => [now])
  done += 1
end
puts "added #{done} #{now - started}"
