## A few failed `git` basic-auth attempts banned the whole office for an hour:
## the office network and the load balancer were not in ip_whitelist.
external_url 'https://gitlab.example.com'

gitlab_rails['trusted_proxies'] = ['10.0.0.10']

gitlab_rails['rack_attack_git_basic_auth'] = {
  'enabled' => true,
  'ip_whitelist' => ["127.0.0.1"],
  'maxretry' => 10,
  'findtime' => 60,
  'bantime' => 3600
}
