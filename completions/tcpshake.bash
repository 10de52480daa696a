# bash completion for tcpshake                             -*- shell-script -*-
# Installed as bash-completion/completions/tcpshake (loaded on demand by the
# bash-completion package).  The option lists follow each command's --help;
# tests/cli/man-drift.py checks that they still do.

# Options of connect, listen and replay (tools/cmd_connect.c).
_tcpshake_drive_opts='--mss --no-mss --wscale --sackok --ts --win --rto --rto-min
    --retries --timeout --linger --time-wait -i --no-rst-guard --mark --out -w
    --json -q -S --color --ladder --width --svg --zeek-log --stats --help --version'

# Complete one item of a comma-separated list (--flags, --opt).
_tcpshake_list()
{
    local prefix=
    [[ $cur == *,* ]] && prefix=${cur%,*},
    COMPREPLY=($(compgen -P "$prefix" -W "$1" -- "${cur##*,}"))
    # readline replaces only what follows the last word break (the = of
    # mss=, the : of ts=1:0), so the replies must start there too
    local brk=${cur%"${cur##*[=:]}"}
    [[ $brk ]] && COMPREPLY=("${COMPREPLY[@]#"$brk"}")
    compopt -o nospace
}

_tcpshake()
{
    local cur prev words cword split
    # -s: --opt=value is completed as --opt value; -n :, so that
    # ADDR:PORT and [ADDR]:PORT stay one word
    _init_completion -s -n : || return

    if ((cword == 1)); then
        COMPREPLY=($(compgen -W 'trace craft connect listen replay script probe
            help --help --version' -- "$cur"))
        return
    fi

    local cmd=${words[1]} opts args
    # args: the options that take a value (their value is not a positional)
    case $cmd in
        trace)
            opts='-r -i -D -c -s -p -B --json --summary -S -n -l -U --date -tttt --color
                --stats --zeek-log -w --annotate --ladder --svg --conn --width
                --max-conns --time-wait --idle --threads --no-checksum
                --key-inner --inner --help --version'
            args='-r -i -c -s -B --color --colour --zeek-log -w --svg --conn
                --width --max-conns --time-wait --idle --threads --inner'
            case $prev in
                -r | -w | --zeek-log | --svg)
                    _filedir
                    return
                    ;;
                -i)
                    _available_interfaces
                    COMPREPLY+=($(compgen -W 'any' -- "$cur"))
                    return
                    ;;
                --threads)
                    COMPREPLY=($(compgen -W 'auto 1 2' -- "$cur"))
                    return
                    ;;
            esac
            ;;
        craft)
            opts='--dst --src --seq --ack --flags --win --urp --opt --data --hex
                --ttl --hop-limit --tos --tclass --id --df --no-df
                --bad-checksum -i --dst-mac --src-mac --mark -c --count --rate
                --flood -w --dry-run -q --json -Z --help --version'
            args='--dst --src --seq --ack --flags --win --urp --opt --data --hex
                --ttl --hop-limit --tos --tclass --id -i --interface --dst-mac
                --src-mac --mark -c --count --rate -w --write -Z'
            case $prev in
                -w | --write)
                    _filedir
                    return
                    ;;
                -i | --interface)
                    _available_interfaces
                    return
                    ;;
                --flags)
                    _tcpshake_list 'syn ack fin rst psh urg ece cwr none'
                    return
                    ;;
                --opt)
                    _tcpshake_list 'mss= wscale= sackok sack= ts= nop eol
                        kind= none'
                    return
                    ;;
                -Z)
                    _allowed_users
                    return
                    ;;
            esac
            ;;
        connect)
            opts="--data --close --sport --isn --src --count $_tcpshake_drive_opts"
            ;;
        listen)
            opts="--addr -4 -6 --reply --close --count --isn $_tcpshake_drive_opts"
            ;;
        script)
            opts='--parse -6 --ip-version --tolerance-usecs --local-ip --remote-ip
                -D --define --mtu --ip_version --local_ip --remote_ip --tolerance_usecs
                --netmask_ip --gateway_ip --non_fatal --wait --peer --skip-syscalls --rate --late-usecs -v
                --verbose --trace
                --ladder --width -w --tap --json -h --help --version'
            args='--ip-version --tolerance-usecs --local-ip --remote-ip -D --define --mtu
                --ip_version --local_ip --remote_ip --tolerance_usecs --netmask_ip --gateway_ip
                --non_fatal --wait
                --peer --rate --late-usecs --width -w'
            case $prev in
                -w) _filedir; return ;;
                --ip-version) COMPREPLY=($(compgen -W '4 6' -- "$cur")); return ;;
                --non_fatal) COMPREPLY=($(compgen -W 'packet syscall packet,syscall' -- "$cur")); return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$opts" -- "$cur"))
            else
                _filedir pkt
            fi
            return
            ;;
        probe)
            opts='--list --only --long --close-port --closed-port --rate --late-usecs -6
                -v --verbose -w --tap --json --diff -h --help --version'
            case $prev in
                -w) _filedir -d; return ;;
                --only)
                    # the probe names: the lines of --list that start at column 0
                    _tcpshake_list "$("${words[0]}" probe --list 2>/dev/null |
                        command sed -n 's/^\([a-z0-9-]\{1,\}\) .*/\1/p')"
                    return
                    ;;
                --close-port | --closed-port | --rate | --late-usecs) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$opts" -- "$cur"))
            elif [[ " ${words[*]} " == *" --diff "* ]]; then
                _filedir json
            fi
            return
            ;;
        replay)
            opts="--to --conn --close --sport --isn --src $_tcpshake_drive_opts"
            ;;
        *)
            return
            ;;
    esac

    case $cmd in
        connect | listen | replay)
            args='--mss --wscale --win --sport --isn --src --addr --data --reply
                --close --rto --rto-min --retries --timeout --linger
                --time-wait --mark --count --out -w --write --width --color
                --colour --to --conn -i --interface --svg --zeek-log'
            case $prev in
                --out | -w | --write | --svg | --zeek-log)
                    _filedir
                    return
                    ;;
                -i | --interface)
                    _available_interfaces
                    return
                    ;;
                --close)
                    COMPREPLY=($(compgen -W 'active passive rst none' -- "$cur"))
                    return
                    ;;
            esac
            ;;
    esac

    case $prev in
        --color | --colour)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return
            ;;
        --data | --reply)
            # TEXT, or @FILE
            if [[ $cur == @* ]]; then
                cur=${cur#@}
                _filedir
                COMPREPLY=("${COMPREPLY[@]/#/@}")
            fi
            return
            ;;
    esac
    # any other option that takes a value: nothing to offer
    local a
    for a in $args; do
        [[ $prev == "$a" ]] && return
    done

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # positional arguments: count those before this word
    local i npos=0 w skip=
    for ((i = 2; i < cword; i++)); do
        w=${words[i]}
        if [[ $skip ]]; then
            skip=
        elif [[ $w == -* ]]; then
            for a in $args; do
                [[ $w == "$a" ]] && skip=1
            done
        else
            ((npos++))
        fi
    done
    case $cmd in
        craft)
            ((npos == 0)) &&
                COMPREPLY=($(compgen -W 'syn synack ack fin rst data segment' \
                    -- "$cur"))
            ;;
        replay)
            ((npos == 0)) && _filedir '@(pcap|pcapng|cap)'
            ;;
    esac
} &&
    complete -F _tcpshake tcpshake

# ex: filetype=sh
